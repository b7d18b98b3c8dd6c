"""Constants for the OptiVGI smart charging integration."""

import logging
from typing import Final

DOMAIN: Final = "optivgi"
LOGGER: Final = logging.getLogger(__package__)

CONF_SITE_LIMIT_KW: Final = "site_limit_kw"

#: The default site limit offered in the config flow: a common 3 x 32 A house connection (kW).
DEFAULT_SITE_LIMIT_KW: Final = 22.0
