"""Releases and their process versions (spec README section 7).

The schema files of each release are registered in ``gateway.validation.registry``; this table is
the part every layer needs without loading any schema.
"""

from __future__ import annotations

from gateway.domain.services import Service

RELEASE_VERSIONS: dict[tuple[Service, str], tuple[int, int]] = {
    (Service.RTA, "R5"): (5, 0),
    (Service.RTA, "R6"): (6, 0),
    (Service.RTA, "R7"): (7, 0),
    (Service.ELPL, "R5"): (5, 0),
    (Service.ELPL, "R6"): (6, 0),
}
