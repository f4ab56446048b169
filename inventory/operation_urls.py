"""Operation pages (operations list, policies, snapshot actions)."""

urlpatterns: list = []
