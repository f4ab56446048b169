"""Single sign-on routes (included by portal/urls.py; 404 while OIDC is off)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from . import views

urlpatterns = [
    path(
        "sso/oidc/login/", login_not_required(views.SingleSignOnStart.as_view()), name="oidc-login"
    ),
    path(
        "sso/oidc/callback/",
        login_not_required(views.SingleSignOnCallback.as_view()),
        name="oidc-callback",
    ),
]
