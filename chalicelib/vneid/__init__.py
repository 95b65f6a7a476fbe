"""VNeID (the national e-ID) as an OpenID Connect provider: the relying party."""
