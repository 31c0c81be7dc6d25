"""Pathstone's domain: records, content and the learner model, with no UI."""
