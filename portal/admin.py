from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import AuditEvent, EncryptedTotpDevice


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be browsed, never changed."""

    list_display = ["occurred_at", "actor", "action", "result", "target_repr"]
    list_filter = ["result", "source"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The second factor: seeds are kept encrypted (EncryptedTotpDevice); django-otp's own TOTP admin
# would add devices with clear-text seeds, so it is replaced by one that only lists and deletes
# (a lost phone: delete the device, the user enrols again at the next login).
admin.site.unregister(TOTPDevice)


@admin.register(EncryptedTotpDevice)
class EncryptedTotpDeviceAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
