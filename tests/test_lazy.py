"""``causalppl.lazy``: a stand-in module imports the real one on first use and is replaced by it."""

import sys
import types
from unittest import mock

import causalppl.lazy as lazy
from causalppl.lazy import LazyModule


def _probe(name: str, stand_in: LazyModule) -> types.ModuleType:
    """A module of the package holding ``stand_in`` under ``name`` (as ``from causalppl.lazy import x`` does)."""
    probe = types.ModuleType("causalppl._lazy_probe")
    probe.__dict__[name] = stand_in
    sys.modules[probe.__name__] = probe
    return probe


def test_the_first_lookup_puts_the_real_module_in_the_package_modules():
    stand_in = LazyModule("colorsys")
    probe = _probe("colorsys", stand_in)
    try:
        assert isinstance(probe.colorsys, LazyModule)
        assert probe.colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
        import colorsys

        assert probe.colorsys is colorsys  # replaced: later lookups are plain module attributes
        assert stand_in.hls_to_rgb is colorsys.hls_to_rgb  # a stand-in held elsewhere forwards
    finally:
        del sys.modules["causalppl._lazy_probe"]


def test_a_patch_of_the_real_module_reaches_the_package_after_first_use():
    stand_in = LazyModule("json")
    probe = _probe("json", stand_in)
    try:
        with mock.patch("json.dumps", return_value="patched"):
            assert probe.json.dumps([1]) == "patched"  # first use happens inside the patch
        assert probe.json.dumps([1]) == "[1]"  # the patch is gone: nothing kept a copy of the patched name
        with mock.patch("json.dumps", return_value="again"):
            assert probe.json.dumps([1]) == "again"
    finally:
        del sys.modules["causalppl._lazy_probe"]


def test_the_package_stand_ins_name_their_modules():
    assert {lazy.numpy.__name__, lazy.torch.__name__, lazy.networkx.__name__, lazy.poutine.__name__} == {
        "numpy", "torch", "networkx", "pyro.poutine"}
