"""Counterfactual queries, module by module in the order they run.

1. :mod:`.leaves` — each query leaf becomes a multi-world model and restated evidence;
2. :mod:`.abduction` — the noise that the evidence pins, by inverting mechanisms;
3. :mod:`.exact`, :mod:`.gaussian`, :mod:`.sampling`, :mod:`.nuts` — the posterior of the
   remaining noise: twin-network contraction, closed-form Gaussian, likelihood weighting, NUTS;
4. :mod:`.leaf` — one leaf's answer from that posterior;
5. :mod:`.answer` — the query's answer on a known model; :mod:`.learned` — inside posterior draws;
6. :mod:`.draws` — every variable in every world (``Model.counterfactual``);
   :mod:`.source` — the generated multi-world program (``compile --query``).
"""

from causalppl.inference.counterfactual.answer import answer_counterfactual
from causalppl.inference.counterfactual.draws import counterfactual
from causalppl.inference.counterfactual.learned import answer_learned
from causalppl.inference.counterfactual.source import counterfactual_source

__all__ = ["answer_counterfactual", "answer_learned", "counterfactual", "counterfactual_source"]
