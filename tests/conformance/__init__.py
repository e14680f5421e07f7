"""The pack samples of every release, valid and invalid, driven by a manifest."""
