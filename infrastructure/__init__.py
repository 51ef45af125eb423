"""Python that lives beside the Terraform: the ops tools (``infrastructure.ops``)."""
