from __future__ import annotations

import mockluma


def test_the_public_names_are_exactly_the_curated_ones() -> None:
    public = {name for name in vars(mockluma) if not name.startswith("_")} - {"annotations"}
    modules = {name for name in public if type(getattr(mockluma, name)).__name__ == "module"}
    assert public - modules == set(mockluma.__all__) - {"__version__"}
    assert mockluma.__version__
