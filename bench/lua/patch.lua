-- PATCH one project with a small JSON body.
wrk.method = "PATCH"
wrk.body = '{"status": "active"}'
wrk.headers["Content-Type"] = "application/json"
