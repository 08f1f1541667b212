"""Facebook and YouTube behind one interface, the token vault, and the platform emulator.

Knows no database and imports nothing of Loa's other packages: callers hand it tokens and plain
requests, it hands back plain results or one of the errors of `connectors.base`.
"""
