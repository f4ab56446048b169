from django.urls import path
from rest_framework.routers import DefaultRouter

from .tasks import TaskListView
from .views import ApiRootView, AuditEventViewSet, SearchView

router = DefaultRouter()
router.APIRootView = ApiRootView  # declares its roles like every other API view
router.register("audit-events", AuditEventViewSet, basename="audit-event")
urlpatterns = [
    path("search/", SearchView.as_view(), name="api-search"),
    path("tasks/", TaskListView.as_view(), name="api-task-list"),
    *router.urls,
]
