"""Claims: the workflow path, visibility and notifications shared by every claim operation."""
