"""One stack per account role of the reference deployment."""

from genai_platform.stacks.account_stack import AccountStack
from genai_platform.stacks.application_account import ApplicationAccountStack
from genai_platform.stacks.data_account import DataAccountStack
from genai_platform.stacks.genai_account import GenAiAccountStack

__all__ = ["AccountStack", "ApplicationAccountStack", "DataAccountStack", "GenAiAccountStack"]
