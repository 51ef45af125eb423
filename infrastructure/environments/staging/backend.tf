# Remote state in the bucket created by infrastructure/global, locked through its DynamoDB table.
# The bucket name carries the account id, so it is given at init time (partial configuration):
#   terraform init -backend-config="bucket=items-service-tfstate-<ACCOUNT_ID>"
terraform {
  backend "s3" {
    key            = "items-service/staging/terraform.tfstate"
    region         = "us-east-1"
    dynamodb_table = "items-service-terraform-locks"
    encrypt        = true
  }
}
