"""Directory (LDAP) and single sign-on (OIDC) login against real servers."""
