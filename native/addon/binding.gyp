{
  "targets": [
    {
      "target_name": "shardkit_native",
      "sources": ["src/shardkit_native.c"],
      "cflags": ["-O3", "-Wall", "-Wextra"],
      "libraries": ["-lisal", "-lpthread"]
    }
  ]
}
