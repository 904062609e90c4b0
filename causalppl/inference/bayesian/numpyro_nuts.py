"""NumPyro NUTS over the data likelihood (``backend="numpyro"``): the generated NumPyro program under JAX.

The same likelihood as the Pyro route -- the program generated from the same
IR, the same stacked data columns, the same masks for rows of ``under do``
blocks, the same factors left out -- run by NumPyro's NUTS, whose
whole trajectory is compiled by XLA.  Chains run one after another (chain
``k`` from the key of ``seed`` split per chain).  Discrete latent variables
are enumerated by NumPyro (``numpyro.contrib.funsor``, installed with the
extra); draws come back as torch tensors for the torch-based query answering.
JAX and NumPyro are an optional extra (``pip install causalppl[numpyro]``),
imported only here, only when this backend runs.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any, Callable

import numpy as np
import torch

from causalppl.backends.numpyro_codegen import compiled_numpyro_program, missing_modules
from causalppl.diagnostics import Span, spell_option
from causalppl.inference.bayesian.likelihood import Likelihood, has_discrete_latents
from causalppl.inference.bayesian.runs import SamplerRun
from causalppl.inference.bayesian.settings import FitSettings
from causalppl.inference.messages import query_error

MAX_PLATE_NESTING = 1  # the units plate


def require_numpyro(settings: FitSettings, span: Span) -> None:
    """A user error unless the NumPyro backend can run this fit (NUTS, JAX installed, the device visible)."""
    if settings.sampler != "nuts":
        raise query_error(span, f"the NumPyro backend runs NUTS, not {settings.sampler}",
                          f"use {spell_option('method', 'nuts')}, or {spell_option('backend', 'pyro')} for "
                          f"{settings.sampler}")
    missing = missing_modules()
    if missing:
        raise query_error(span, f"the NumPyro backend needs {' and '.join(missing)}, which "
                                f"{'is' if len(missing) == 1 else 'are'} not installed",
                          "pip install 'causalppl[numpyro]' (JAX on the CPU; see docs/inference.md for GPUs), "
                          f"or use {spell_option('backend', 'pyro')}")
    if _jax_device(settings.device) is None:
        raise query_error(span, f"JAX sees no {settings.device} device",
                          "install a CUDA build of jaxlib (pip install 'jax[cuda12]'), or use "
                          f"{spell_option('device', 'cpu')}")


def run_numpyro_nuts(likelihood: Likelihood, sites: tuple[str, ...], settings: FitSettings) -> SamplerRun:
    """NumPyro NUTS over ``likelihood``; draws of ``sites`` as (chains, draws, ...) torch tensors on the CPU."""
    jax = importlib.import_module("jax")
    infer = importlib.import_module("numpyro.infer")
    device = _jax_device(settings.device)
    model = _numpyro_likelihood(likelihood)
    kernel = infer.NUTS(model, target_accept_prob=settings.target_accept, max_tree_depth=settings.max_tree_depth)
    if has_discrete_latents(likelihood.model):
        kernel = infer.NUTS(_enumerated(model), target_accept_prob=settings.target_accept,
                            max_tree_depth=settings.max_tree_depth)
    mcmc = infer.MCMC(kernel, num_warmup=settings.num_warmup, num_samples=settings.num_samples,
                      num_chains=settings.num_chains, chain_method="sequential",
                      progress_bar=not settings.quiet)
    seed = settings.seed if settings.seed is not None else int(torch.randint(0, 2**31 - 1, ()))
    with jax.default_device(device), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        mcmc.run(jax.random.PRNGKey(seed), extra_fields=("diverging",))
    samples = mcmc.get_samples(group_by_chain=True)
    draws = {name: torch.from_numpy(np.array(samples[name])) for name in sites}
    diverging = np.asarray(mcmc.get_extra_fields(group_by_chain=True)["diverging"], dtype=bool)
    return SamplerRun(draws, diverging.reshape(settings.num_chains, settings.num_samples))


# -------------------------------------------------------------- the model ----


def _numpyro_likelihood(likelihood: Likelihood) -> Callable[[], Any]:
    """The no-argument NumPyro model of the data: the same columns, masks and omitted tables as ``likelihood``."""
    jnp = importlib.import_module("jax.numpy")
    handlers = importlib.import_module("numpyro.handlers")
    program = compiled_numpyro_program(likelihood.model, likelihood.data_only)
    columns = {name: jnp.asarray(values.detach().to("cpu").numpy()) for name, values in likelihood.columns.items()}
    n_units = likelihood.n_units
    if likelihood.experiments is not None and likelihood.experiments.generated:
        generated = {name: jnp.asarray(mask.detach().to("cpu").numpy())
                     for name, mask in likelihood.experiments.generated.items()}
        program = _recorded_settings(program, generated, columns)

    def model() -> Any:
        return program(n_units=n_units, data=columns)

    return model


def _recorded_settings(program: Callable, generated: dict, columns: dict) -> Callable:
    """In rows of ``under do(...)`` blocks, set each intervened variable and drop its mechanism (as the Pyro
    route's :class:`~causalppl.inference.bayesian.likelihood.RecordedSettings`, without mini-batches)."""
    jnp = importlib.import_module("jax.numpy")
    primitives = importlib.import_module("numpyro.primitives")

    class RecordedSettings(primitives.Messenger):
        def process_message(self, msg) -> None:
            mask = generated.get(msg["name"])
            if mask is None:
                return
            if msg["type"] == "sample":
                msg["fn"] = msg["fn"].mask(mask)
            elif msg["type"] == "deterministic":  # a ':=' variable: its value comes from the formula
                msg["value"] = jnp.where(mask, msg["value"], columns[msg["name"]].astype(msg["value"].dtype))

    return RecordedSettings(program)


def _enumerated(model: Callable) -> Callable:
    """Discrete latent sites summed out in parallel (NumPyro needs funsor for it)."""
    funsor = importlib.import_module("numpyro.contrib.funsor")
    return funsor.config_enumerate(model)


def _jax_device(device: str):
    jax = importlib.import_module("jax")
    kind, _, number = device.partition(":")
    try:
        devices = jax.devices("gpu" if kind == "cuda" else "cpu")
    except RuntimeError:
        return None
    index = int(number) if number else 0
    return devices[index] if index < len(devices) else None
