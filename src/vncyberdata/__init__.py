"""vncyberdata: a versioned dataset of Vietnamese news about cybercrime, and the tools that build it."""

__version__ = "0.1.0"
