"""Server addresses of the pages linking to a domain: `linkgraph ips`, and the address blocks
the toxicity signal `shared_address` reads.

A block (subnet) is the IPv4 /24 or IPv6 /48 an address is in; an IPv4-mapped IPv6 address is
its IPv4 address.

    >>> subnet_of("93.184.216.34"), subnet_of("2a00:1450:4001:82a::200e"), subnet_of("x")
    ('93.184.216.0/24', '2a00:1450:4001::/48', '')
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

IP_COLUMNS = ("ip", "subnet", "ref_domains", "ref_pages", "links", "subnet_ref_domains", "domains")


def parse_address(ip: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address `ip` names (an IPv4-mapped IPv6 address as IPv4), None when none."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def subnet_of(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) block of `ip`, '' when it is not an address."""
    address = parse_address(ip)
    if address is None:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def ip_rows(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """IP_COLUMNS rows of referring_ips.sql's: each address with its subnet and the referring
    domains of the whole subnet, by subnet_ref_domains, then ref_domains (desc), then ip."""
    index = {name: columns.index(name) for name in ("ip", "ref_domains", "ref_pages", "links")}
    domains_at = columns.index("domains")
    per_subnet: dict[str, set[str]] = {}
    for row in rows:
        per_subnet.setdefault(subnet_of(row[index["ip"]]), set()).update(row[domains_at])
    out = [
        (row[index["ip"]], subnet_of(row[index["ip"]]), int(row[index["ref_domains"]]),
         int(row[index["ref_pages"]]), int(row[index["links"]]),
         len(per_subnet[subnet_of(row[index["ip"]])]), list(row[domains_at]))
        for row in rows
    ]  # fmt: skip
    out.sort(key=lambda r: (-r[5], r[1], -r[2], r[0]))
    return out
