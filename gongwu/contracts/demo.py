"""Demo placeholder, filled below."""


def build(**kwargs: object) -> None:
    return None
