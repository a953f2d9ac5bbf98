"""STAND-IN (claims2 branch): the real package comes from the `claims` branch; drop this file at merge."""
