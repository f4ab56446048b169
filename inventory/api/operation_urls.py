"""Operation routes (snapshot create/delete/revert, operations, policies); see inventory/api/operations.py."""

urlpatterns: list = []
