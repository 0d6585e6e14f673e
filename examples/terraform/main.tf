# A ucloud_security_group and the ucloud_security_groups data source against `npm start`
# (README "From Terraform"). Run from this directory: terraform init && terraform apply.

terraform {
  required_providers {
    ucloud = {
      source  = "ucloud/ucloud"
      version = "1.39.2"
    }
  }
}

provider "ucloud" {
  public_key  = "demo-public-key"
  private_key = "demo-private-key"
  region      = "cn-bj2"
  project_id  = "org-demo01"
  base_url    = "http://127.0.0.1:8080"
}

resource "ucloud_security_group" "web" {
  name   = "tf-web"
  tag    = "tf-example"
  remark = "set at creation: the provider sends a later remark change as a Tag"

  rules {
    port_range = "80"
    protocol   = "tcp"
    cidr_block = "192.168.0.0/16"
    policy     = "accept"
  }

  rules {
    port_range = "8000-8080"
    protocol   = "tcp"
    cidr_block = "192.168.0.0/16"
    policy     = "accept"
    priority   = "low"
  }

  rules {
    protocol   = "icmp"
    cidr_block = "0.0.0.0/0"
    policy     = "drop"
    priority   = "medium"
  }
}

# The project's two default firewalls.
data "ucloud_security_groups" "recommend_web" {
  type = "recommend_web"
}

data "ucloud_security_groups" "mine" {
  name_regex = "^tf-"
  depends_on = [ucloud_security_group.web]
}

output "web_id" {
  value = ucloud_security_group.web.id
}

output "recommend_web" {
  value = data.ucloud_security_groups.recommend_web.security_groups[*].name
}

output "mine" {
  value = data.ucloud_security_groups.mine.security_groups[*].name
}
