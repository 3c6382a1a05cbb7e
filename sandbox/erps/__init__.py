"""The ERP stand-ins, one package per vendor (`acumatica` also serves MYOB Advanced), each with its
world (state), its wire (the vendor's formats) and its app (routes)."""
