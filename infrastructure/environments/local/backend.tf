# env local keeps its state in the local backend (terraform.tfstate beside this file, or -state=PATH):
# the emulator it describes is thrown away with the state, so there is nothing to share or lock.
