"""People the tests act as (no unit: every unit), named as the audit log will show them."""

from campaigns.access import Identity
from campaigns.models import Role

MANAGER = Identity("lan", Role.MANAGER)
OFFICER = Identity("mai", Role.OFFICER)
ADMIN = Identity("an", Role.ADMIN)
NATIONAL = Identity("thu", Role.NATIONAL)
