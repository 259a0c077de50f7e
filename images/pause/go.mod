module kubia.local/pause

go 1.26
