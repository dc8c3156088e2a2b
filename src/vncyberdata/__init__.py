"""vncyberdata: a versioned dataset of Vietnamese news about cybercrime, and the tools that build it."""

__version__ = "0.1.0"


def load(version=None, config="articles", split=None, releases_dir="build/releases"):
    """Load a published release with `datasets` (latest by default). See `vncyberdata.release.loading.load`."""
    from .release.loading import load as _load

    return _load(version, config, split, releases_dir)


def load_split(path, config="articles", split=None):
    """Load a built dataset folder, empty splits included. See `vncyberdata.release.loading.load_split`."""
    from .release.loading import load_split as _load_split

    return _load_split(path, config, split)
