-- wrk script: logins of one account (its email and password come from the environment).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = string.format('{"email":"%s","password":"%s","device_name":"bench"}',
  os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
