"""ERP adapters: one module per ERP behind the `ErpAdapter` protocol (see `erp.base`)."""
