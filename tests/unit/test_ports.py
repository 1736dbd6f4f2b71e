"""The ports the screens are typed against match the services that serve them: every method of
KioskPort and ConsolePort exists on VisitorService and StaffService with the same parameters
(mypy checks the types; this catches a port left behind when a service changes, in make test)."""

from __future__ import annotations

import inspect

import pytest

from kiosk.apps.console import StaffService
from kiosk.apps.ports import ConsolePort, KioskPort
from kiosk.apps.visitor import VisitorService


def members(port: type) -> list[str]:
    return [name for name, value in vars(port).items()
            if inspect.isfunction(value) and not name.startswith("_")]


@pytest.mark.parametrize("port, service", [(KioskPort, VisitorService),
                                           (ConsolePort, StaffService)])
def test_every_port_method_is_served_with_the_same_parameters(port, service):
    names = members(port)
    assert len(names) > 10
    for name in names:
        wanted = inspect.signature(getattr(port, name))
        served = inspect.signature(getattr(service, name))
        assert [(p.name, p.kind, p.default) for p in wanted.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in served.parameters.values()], name


@pytest.mark.parametrize("port, service", [(KioskPort, VisitorService),
                                           (ConsolePort, StaffService)])
def test_every_public_service_method_is_in_its_port(port, service):
    public = {name for name, value in vars(service).items()
              if inspect.isfunction(value) and not name.startswith("_")
              and not isinstance(inspect.getattr_static(service, name), staticmethod)}
    assert public - set(members(port)) == set()
