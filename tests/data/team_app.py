"""A small team app for the check command's tests: one library construct, one deliberate finding.

The SNS topic is created without a KMS key on purpose (NIST and HIPAA SNSEncryptedKMS);
``add_nag_packs(app)`` is the one line that attaches the packs. Set ``TEAM_APP_NO_NAG=1`` to
synthesize without them.
"""

import os

import aws_cdk as cdk
from aws_cdk import aws_sns as sns

from genai_platform import add_nag_packs

app = cdk.App()
stack = cdk.Stack(app, "TeamApp", env=cdk.Environment(account="111111111111", region="us-east-1"))
sns.Topic(stack, "Unencrypted", enforce_ssl=True)  # the deliberate finding: no KMS key
if not os.environ.get("TEAM_APP_NO_NAG"):
    add_nag_packs(app)
app.synth()
