{
  "targets": [
    {
      "target_name": "fileio",
      "sources": ["fileio.c"],
      "cflags": ["-O2"]
    }
  ]
}
