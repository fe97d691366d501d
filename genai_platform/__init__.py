"""genai-platform: AWS CDK constructs for running AI workloads as a platform."""
