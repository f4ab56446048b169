from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import SyncedObject, external_key


class Cluster(SyncedObject):
    ha_enabled = models.BooleanField(null=True)
    drs_enabled = models.BooleanField(null=True)
    quorate = models.BooleanField(null=True)
    firewall_enabled = models.BooleanField(null=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [external_key("cluster_ext")]


class Host(SyncedObject):
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosts"
    )
    product = models.CharField(max_length=100, blank=True)
    version = models.CharField(max_length=50, blank=True)
    build = models.CharField(max_length=50, blank=True)
    # Pending package updates (Proxmox: /nodes/{node}/apt/update); None = not reported.
    updates_pending = models.PositiveIntegerField(null=True)
    security_updates = models.JSONField(default=list, blank=True)  # ["pkg version (origin)"]
    # When the portal first saw updates pending without a sync in between that saw none.
    updates_pending_since = models.DateTimeField(null=True, blank=True)
    connection_state = models.CharField(max_length=32, blank=True, db_index=True)
    power_state = models.CharField(max_length=32, blank=True)
    maintenance_mode = models.BooleanField(null=True)
    lockdown_mode = models.CharField(max_length=32, blank=True)
    cpu_model = models.CharField(max_length=200, blank=True)
    cpu_sockets = models.PositiveIntegerField(null=True)
    cpu_cores = models.PositiveIntegerField(null=True)
    cpu_threads = models.PositiveIntegerField(null=True)
    cpu_mhz = models.PositiveIntegerField(null=True)
    memory_bytes = models.BigIntegerField(null=True)
    cpu_usage_percent = models.FloatField(null=True)
    memory_used_bytes = models.BigIntegerField(null=True)
    swap_used_bytes = models.BigIntegerField(null=True)
    ksm_shared_bytes = models.BigIntegerField(null=True)
    uptime_seconds = models.BigIntegerField(null=True)
    management_addresses = models.JSONField(default=list, blank=True)
    services = models.JSONField(default=list, blank=True)  # [{key, label, running, policy}]
    ntp_servers = models.JSONField(default=list, blank=True)
    syslog_target = models.CharField(max_length=255, blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    advanced_options = models.JSONField(default=dict, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    config_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [external_key("host_ext")]

    @property
    def memory_percent(self) -> float | None:
        if self.memory_bytes and self.memory_used_bytes is not None:
            return 100.0 * self.memory_used_bytes / self.memory_bytes
        return None


class PhysicalNic(SyncedObject):
    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="nics")
    link_up = models.BooleanField(null=True)
    speed_mbps = models.PositiveIntegerField(null=True)
    full_duplex = models.BooleanField(null=True)
    mac = models.CharField(max_length=32, blank=True)
    kind = models.CharField(max_length=16, default="physical")
    slaves = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["host__name", "name"]
        constraints = [external_key("nic_ext")]


class SecurityPolicyObject(SyncedObject):
    """A switch or a port group: a synced object with a layer-2 security policy (NET-005 and
    NET-006 judge it); None = the platform has no such policy or did not report it."""

    allow_promiscuous = models.BooleanField(null=True)
    allow_mac_changes = models.BooleanField(null=True)
    allow_forged_transmits = models.BooleanField(null=True)

    class Meta:
        abstract = True


# The policy's own fields (the API shows and filters each).
SECURITY_POLICY_FIELDS = tuple(
    field.name
    for field in SecurityPolicyObject._meta.local_fields
    if field.name not in {synced.name for synced in SyncedObject._meta.local_fields}
)


class VirtualSwitch(SecurityPolicyObject):
    host = models.ForeignKey(
        Host, null=True, blank=True, on_delete=models.CASCADE, related_name="switches"
    )
    kind = models.CharField(max_length=16, default="vswitch")
    uplinks = models.JSONField(default=list, blank=True)
    # A distributed switch's uplinks per member host: {host external id: [NIC devices]}.
    host_uplinks = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(null=True)

    class Meta:
        ordering = ["name"]
        constraints = [external_key("switch_ext")]


class Network(SecurityPolicyObject):
    switch = models.ForeignKey(
        VirtualSwitch, null=True, blank=True, on_delete=models.SET_NULL, related_name="networks"
    )
    vlan_id = models.IntegerField(null=True)

    class Meta:
        ordering = ["name"]
        constraints = [external_key("network_ext")]


class Datastore(SyncedObject):
    type = models.CharField(max_length=32, blank=True)
    capacity_bytes = models.BigIntegerField(null=True)
    free_bytes = models.BigIntegerField(null=True)
    uncommitted_bytes = models.BigIntegerField(null=True)
    accessible = models.BooleanField(null=True)
    shared = models.BooleanField(null=True)
    content = models.JSONField(default=list, blank=True)
    # Whether each host reaches the datastore: {host external id: bool}; {} = not reported.
    host_access = models.JSONField(default=dict, blank=True)
    hosts = models.ManyToManyField(Host, through="DatastoreHost", related_name="datastores")

    class Meta:
        ordering = ["name"]
        constraints = [external_key("datastore_ext")]

    @property
    def provisioned_bytes(self) -> int | None:
        if self.capacity_bytes is None or self.free_bytes is None:
            return None
        return self.capacity_bytes - self.free_bytes + (self.uncommitted_bytes or 0)

    @property
    def free_percent(self) -> float | None:
        if not self.capacity_bytes or self.free_bytes is None:
            return None
        return 100.0 * self.free_bytes / self.capacity_bytes


class DatastoreHost(models.Model):
    datastore = models.ForeignKey(Datastore, on_delete=models.CASCADE)
    host = models.ForeignKey(Host, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["datastore", "host"], name="datastore_host")]

    def __str__(self) -> str:
        return f"{self.datastore_id} on {self.host_id}"


class PlatformAccount(SyncedObject):
    """A principal of the platform itself, for the rights checks: a user, a group or an API
    token (Proxmox: users, their tokens, the groups of the ACL; vCenter: the principals its
    permissions name). ``grants``: what it may do where (inventory.connectors.records.grant)."""

    class Kind(models.TextChoices):
        USER = "user", _("user")
        GROUP = "group", _("group")
        TOKEN = "token", _("API token")

    enabled = models.BooleanField(null=True)
    two_factor = models.BooleanField(null=True)
    realm_two_factor = models.BooleanField(null=True)  # the realm enforces a second factor
    roles = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    realm = models.CharField(max_length=100, blank=True)  # PVE realm, vCenter domain
    realm_type = models.CharField(max_length=32, blank=True)  # pam, pve, ldap, ad, openid
    directory = models.BooleanField(null=True)  # False: the platform's own (local) account
    expires_at = models.DateTimeField(null=True, blank=True)  # None: never or not reported
    privsep = models.BooleanField(null=True)  # API tokens: privilege separation
    grants = models.JSONField(default=list, blank=True)
    # API tokens of the user: [{"tokenid", "privsep", "expire"}] (PVE ``tokens`` of
    # /access/users?full=1); the hardening checks HRD-103 and HRD-104 judge them.
    api_tokens = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [external_key("account_ext")]
