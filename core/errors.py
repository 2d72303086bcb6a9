"""User-facing errors: one line, naming the thing and the fix; the CLI exits 2 on them."""


class UserError(Exception):
    """Bad input or a missing requirement the user can fix. Printed as one line, exit code 2."""


def missing_extra(what: str, extra: str = "train") -> UserError:
    """Error for a feature whose optional dependencies are not installed."""
    return UserError(f"{what} needs the [{extra}] extra: pip install 'leakyolo[{extra}]'")
