"""The CDK app's stacks. They only compose constructs from ``constructs_lib``."""
