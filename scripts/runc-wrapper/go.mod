module kubia.local/runc-wrapper

go 1.26
