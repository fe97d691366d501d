"""Delivery as code: the pipeline's config, its CDK app and the post-deploy smoke test.

:mod:`.config` (the ``[delivery]`` section), :mod:`.app` (``python -m
genai_platform.delivery.app [DELIVERY_FILE]``: the pipeline app CDK Pipelines synthesizes and
self-mutates from) and :mod:`.smoke_test`. The stack is
:class:`genai_platform.stacks.delivery.DeliveryPipeline`; the GitHub Actions alternative is
:class:`genai_platform.constructs.github_roles.GitHubDeploymentRoles`.
"""
