"""The merchant side of FPX B2C (PayNet): message field orders, checksums, builders and parsers."""
