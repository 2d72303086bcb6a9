"""The LeakYOLO family: our registered models that are not screening candidates (and their distilled rows). Judged
as one front beside each member's own: a user picks any member at any size."""

from leakyolo.base.defaults import DISTILLED

FAMILY = "LeakYOLO family"


def members() -> set:
    """The LeakYOLO family: registered models of ours that are not screening candidates, also trained with a teacher."""
    from leakyolo.models.registry import REGISTRY

    names = {name for name, s in REGISTRY.items() if s.ours and not s.candidate}
    return names | {name + DISTILLED for name in names}


def covered(subject: str) -> set:
    """The model families a verdict's subject covers: every member for the family, else itself."""
    return members() if subject == FAMILY else {subject}


def with_family(found: set) -> list:
    """Judged subjects: each model family found, and the LeakYOLO family when two or more members are among them
    (with one it is that member's front again)."""
    return sorted(found) + ([FAMILY] if len(found & members()) > 1 else [])
