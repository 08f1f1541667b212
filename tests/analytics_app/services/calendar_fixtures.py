"""The example campaign imported into a test database, and the people who use the calendar.

Units of the example: moha, ncfaw (ncfaw-fb, ncfaw-yt), ha-noi (ha-noi-fb), dak-lak
(dak-lak-fb). Every publication starts as a draft (`approval: required`).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from campaigns.access import Identity
from campaigns.importer import import_campaign
from campaigns.models import Channel, ContentItem, Publication, Role
from tests.conftest import copy_example

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Before the campaign opens (15/11/2025): every planned slot is still ahead.
BEFORE = datetime(2025, 11, 10, 3, 0, tzinfo=UTC)

HA_NOI_OFFICER = Identity("lan", Role.OFFICER, "ha-noi", "Lan")
DAK_LAK_OFFICER = Identity("hoa", Role.OFFICER, "dak-lak", "Hoa")
NCFAW_OFFICER = Identity("mai", Role.OFFICER, "ncfaw", "Mai")
HA_NOI_MANAGER = Identity("minh", Role.MANAGER, "ha-noi", "Minh")
MANAGER_ALL = Identity("tuan", Role.MANAGER, None, "Tuấn")
NATIONAL = Identity("quoc", Role.NATIONAL, None, "Quốc")
ADMIN = Identity("an", Role.ADMIN, None, "An")


@dataclass
class Example:
    engine: Engine
    path: Path  # the campaign file (its media/ beside it)

    @property
    def media(self) -> Path:
        return self.path.parent / "media"


def load_example(engine: Engine, tmp_path: Path) -> Example:
    path = copy_example(tmp_path)
    with Session(engine) as s:
        import_campaign(s, path)
    return Example(engine, path)


def local(day: int, month: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=ZONE)


def pub_id(engine: Engine, content: str, channel: str) -> int:
    """The first publication of `content` on `channel`."""
    with Session(engine) as s:
        found = s.exec(
            select(Publication.id)
            .join(ContentItem, col(ContentItem.id) == Publication.content_id)
            .join(Channel, col(Channel.id) == Publication.channel_id)
            .where(ContentItem.key == content, Channel.key == channel)
            .order_by(col(Publication.scheduled_at))
        ).first()
    assert found is not None, (content, channel)
    return found


def set_state(engine: Engine, publication: int, state: str, **values: object) -> None:
    with Session(engine) as s:
        pub = s.get(Publication, publication)
        assert pub is not None
        pub.state = state
        for name, value in values.items():
            setattr(pub, name, value)
        s.add(pub)
        s.commit()


def get_pub(engine: Engine, publication: int) -> Publication:
    with Session(engine, expire_on_commit=False) as s:
        pub = s.get(Publication, publication)
        assert pub is not None
        return pub
