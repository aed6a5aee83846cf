{
  "targets": [
    {
      "target_name": "chunkhash",
      "sources": ["chunkhash.c"],
      "cflags": ["-O2"]
    }
  ]
}
