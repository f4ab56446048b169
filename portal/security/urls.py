"""Routes of the login, second factor and API-token pages (included by portal/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", views.verify, name="two-factor-verify"),
    path("login/setup/", views.setup, name="two-factor-setup"),
    path("login/recovery-codes/", views.recovery_codes, name="two-factor-recovery-codes"),
    path("security/", views.account, name="security-account"),
    path("security/tokens/", views.api_tokens, name="api-tokens"),
    path("security/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
]
