"""The post id a manager's pasted link names (loa review --published URL)."""

import pytest

from scheduler.post_links import post_id_from_link

PAGE = "104251380000001"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"https://www.facebook.com/{PAGE}/posts/987654321", f"{PAGE}_987654321"),
        ("https://www.facebook.com/ncfaw.vn/posts/987654321", f"{PAGE}_987654321"),
        (
            f"https://m.facebook.com/permalink.php?story_fbid=555&id={PAGE}",
            f"{PAGE}_555",
        ),
        ("https://www.facebook.com/ncfaw.vn/videos/777888999/", "777888999"),
        ("https://www.facebook.com/reel/123123123", "123123123"),
        ("https://www.facebook.com/photo/?fbid=4444&set=a.1", "4444"),
        ("https://www.facebook.com/watch/?v=31415", "31415"),
        # A share link's pfbid is not the Graph id; another site is not a post.
        ("https://www.facebook.com/ncfaw.vn/posts/pfbid02abcDEF", None),
        ("https://example.com/104251380000001/posts/1", None),
    ],
)
def test_facebook_links(url: str, expected: str | None) -> None:
    assert post_id_from_link("facebook", url, PAGE) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3s", "dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "dQw4w9WgXcQ"),
        ("https://studio.youtube.com/video/dQw4w9WgXcQ/edit", None),
        ("https://www.youtube.com/watch?v=short", None),
        ("https://www.youtube.com/@ncfaw", None),
    ],
)
def test_youtube_links(url: str, expected: str | None) -> None:
    assert post_id_from_link("youtube", url) == expected
