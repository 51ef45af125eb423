"""Items REST API Lambda: API Gateway (REST, proxy) -> Powertools resolver -> item logic -> DynamoDB."""
