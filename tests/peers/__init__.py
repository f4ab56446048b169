"""Real servers the tests talk to, started by fixtures: OpenLDAP's slapd and an OIDC provider."""
