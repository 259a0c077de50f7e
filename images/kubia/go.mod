module github.com/kubia-conformance/kubia

go 1.26
