"""The VM list's cells and filter options are drawn in Python (portal_tables' ``table_rows``
and ``select_options``) for speed at 10,000 VMs: they escape what the sources named and mark
the chosen filter value exactly as the template loops did."""

from __future__ import annotations

import pytest

from .factories import EndpointFactory, HostFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db
EVIL = '<script>alert("x")</script>&'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"


def test_names_from_the_sources_are_escaped_in_cells_and_options(admin_user, client_for):
    vc = EndpointFactory(name=f"vc {EVIL}")
    host = HostFactory(endpoint=vc, name=f"esx {EVIL}")
    VirtualMachineFactory(endpoint=vc, host=host, name=f"vm {EVIL}")
    html = client_for(admin_user).get("/vms/").content.decode()
    assert EVIL not in html
    assert f"vm {ESCAPED}</a>" in html  # the name cell, a link
    assert f'<td><a href="/hosts/{host.pk}/">esx {ESCAPED}</a></td>' in html
    assert f'<option value="{host.pk}">esx {ESCAPED}</option>' in html
    assert f'<option value="{vc.pk}">vc {ESCAPED}</option>' in html


def test_the_chosen_host_and_endpoint_are_selected_and_only_they(admin_user, client_for):
    vc = EndpointFactory(name="vc-a")
    hosts = [HostFactory(endpoint=vc, name=f"esx-{i}") for i in range(3)]
    html = client_for(admin_user).get(f"/vms/?host={hosts[1].pk}&endpoint={vc.pk}").content.decode()
    assert f'<option value="{hosts[1].pk}" selected>esx-1</option>' in html
    assert f'<option value="{hosts[0].pk}">esx-0</option>' in html
    assert f'<option value="{vc.pk}" selected>vc-a</option>' in html
    # Nothing else: the page without filters selects only the header's language.
    plain = client_for(admin_user).get("/vms/").content.decode()
    assert 'value="en" selected>' in plain
    assert html.count(" selected>") == plain.count(" selected>") + 2
