"""Routes of the notification pages (included by portal/urls.py)."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("account/notifications/", views.own_subscriptions, name="own"),
    path(
        "notifications/subscriptions/<int:pk>/delete/",
        views.subscription_delete,
        name="subscription-delete",
    ),
    path("notifications/", views.settings_page, name="settings"),
    path("notifications/receivers/<int:pk>/", views.receiver_edit, name="receiver-edit"),
    path("notifications/receivers/<int:pk>/delete/", views.receiver_delete, name="receiver-delete"),
    path("notifications/deliveries/", views.delivery_list, name="deliveries"),
]
