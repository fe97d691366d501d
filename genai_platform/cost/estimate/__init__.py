"""Price a synthesized cloud assembly: idle, at a usage profile, and "always on".

:func:`estimate_assembly` reads ``manifest.json``, every stack template and the nested stack
templates of an assembly (the reference app's or any team app's ``cdk.out``) and gives every
resource one row with three monthly figures in USD:

* **idle**: no traffic. Interface endpoints per zone-hour, NAT gateways, KMS keys, secrets, web
  ACLs and rules, alarms and dashboards beyond the free ones, budgets beyond the free ones,
  SageMaker instances at their minimum (zero when the endpoint scales to zero) plus the warm
  windows of scheduled capacity;
* **at usage**: the idle figure plus what the usage profile's traffic adds (Bedrock tokens by
  model, instance-hours, Lambda, API Gateway, WAF requests, DynamoDB, logs, storage);
* **always on**: the same platform with every SageMaker endpoint at one instance or more all
  month and a NAT gateway per zone of each VPC (the comparison for the "cheap when idle" goal).

Every row is ``priced``, ``no charge`` (with the reason) or ``not priced`` (a resource type the
estimator does not know, listed so nothing is silently zero). The assumptions behind the figures
are in :attr:`CostEstimate.assumptions`. Prices come from :mod:`genai_platform.cost.prices`.

The package holds one module per concern: :mod:`.result` (:class:`CostRow`,
:class:`CostEstimate`), :mod:`.charges` (flat-priced and free resource types),
:mod:`.assembly` (reading the assembly's stacks and templates), :mod:`.schedules` (warm windows
of scheduled capacity), :mod:`.pricer` (one row per resource, and the token rows) and
:mod:`.estimator` (:func:`estimate_assembly`).
"""

from __future__ import annotations

from genai_platform.cost.estimate.charges import NO_CHARGE as NO_CHARGE
from genai_platform.cost.estimate.estimator import estimate_assembly
from genai_platform.cost.estimate.result import CostEstimate, CostRow
from genai_platform.cost.estimate.result import Status as Status

__all__ = ["CostEstimate", "CostRow", "estimate_assembly"]
