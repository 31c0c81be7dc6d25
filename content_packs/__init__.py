"""The content packs that ship with Pathstone, as source folders, and the demo signing key.

Each folder holding a `pack.json` is one pack (docs/pack-format.md).  This is a package
only so that the packs and `demo-key/` travel inside the wheel and can be found with
`importlib.resources.files("content_packs")` on an installed station.
"""
