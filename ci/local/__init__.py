"""Local cloud: a moto server as the AWS control plane and a local API Gateway data plane."""
